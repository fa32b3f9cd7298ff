import { Button, Popup } from 'antd-mobile';
import type { SupportContact } from '../../../../src/domain/api.js';
import { navigate } from '../router.js';
import { ContactList } from './ContactList.js';

/** The support sheet; loaded on the first tap so the popup machinery stays out of the first screen. */
export default function SupportSheet({
  contacts,
  open,
  setOpen,
}: {
  contacts: SupportContact[];
  open: boolean;
  setOpen: (open: boolean) => void;
}) {
  return (
    <Popup visible={open} onMaskClick={() => setOpen(false)} onClose={() => setOpen(false)} bodyClassName="sheet">
      <h3 className="sheet-title">联系我们</h3>
      <ContactList contacts={contacts} />
      <Button
        block
        size="large"
        onClick={() => {
          setOpen(false);
          navigate('/faq');
        }}
      >
        常见问题
      </Button>
      <Button block size="large" fill="none" onClick={() => setOpen(false)}>
        关闭
      </Button>
    </Popup>
  );
}
